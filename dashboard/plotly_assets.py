"""plotly.js as Hashport serves it: the Python plotly package's own plotly.min.js, copied byte for byte to
static/js/, and the styles that script would inject when it loads, extracted from it into static files.

Why the styles: plotly.js adds <style> elements at load, which a Content-Security-Policy without 'unsafe-inline'
blocks (and its mode bar loses its layout). It skips its global rules when the page has an element with the id
"plotly.js-style-global" and the class "no-inline-styles", and its map library's rules when an element has that
library's style id: the dashboard links both files under those ids, so style-src stays 'self'.

`manage.py vendor_plotly` writes the three files; tests/dashboard/test_plotly_assets.py fails when they differ
from what the installed package would give, so the copy cannot drift from the package.
"""

import re
from pathlib import Path

import plotly
from django.conf import settings

PACKAGE_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
STATIC_JS = Path(settings.BASE_DIR) / "static" / "js"
VENDORED_JS = STATIC_JS / "plotly.min.js"
GLOBAL_STYLES = STATIC_JS / "plotly-styles.css"
MAPLIBRE_STYLES = STATIC_JS / "plotly-maplibre-styles.css"
GLOBAL_STYLE_ID = "plotly.js-style-global"
# The id plotly.js looks up before injecting its map library's styles (a hash of them; changes with plotly.js).
MAPLIBRE_STYLE_ID = "9f215cf04c5486422605d13261cb87401f4e7763b6296af81e98efbc0130da53"

_RULES_START = '{"X,X div":'
_MAPLIBRE = re.compile(
    r'document\.getElementById\("(?P<id>[0-9a-f]{64})"\)\)\{var (?P<var>\w+)=document\.createElement\("style"\);'
    r'(?P=var)\.id="(?P=id)",(?P=var)\.textContent='
)
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")


class PlotlyAssetError(Exception):
    """plotly.min.js no longer looks as this module expects: read its style injection again."""


def _js_string(source: str, start: int) -> tuple[str, int]:
    """The JavaScript string literal at start (quoted ' or "), and the index after it."""
    quote, index, out = source[start], start + 1, []
    if quote not in "'\"":
        raise PlotlyAssetError(f"expected a string literal at {start}")
    while source[index] != quote:
        if source[index] == "\\":
            out.append(source[index + 1])
            index += 2
        else:
            out.append(source[index])
            index += 1
    return "".join(out), index + 1


def global_rules(source: str) -> list[tuple[str, str]]:
    """The (selector, declarations) plotly.js adds with addStyleRule at load, selectors expanded as it does."""
    start = source.find(_RULES_START)
    if start < 0:
        raise PlotlyAssetError("plotly.min.js has no style rules object starting " + _RULES_START)
    index, rules = start + 1, []
    while source[index] != "}":
        if source[index] in "'\"":
            key, index = _js_string(source, index)
        else:
            match = _IDENTIFIER.match(source, index)
            if match is None:
                raise PlotlyAssetError(f"unexpected key at {index}: {source[index : index + 40]!r}")
            key, index = match.group(0), match.end()
        if source[index] != ":":
            raise PlotlyAssetError(f"expected ':' at {index}")
        value, index = _js_string(source, index + 1)
        if source[index] == ",":
            index += 1
        selector = re.sub(r"^,", " ,", key).replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        rules.append((selector, value))
    return rules


def global_css(source: str) -> str:
    header = "/* The rules plotly.min.js would inject at load; written by manage.py vendor_plotly. */\n"
    return header + "".join(f"{selector} {{{declarations}}}\n" for selector, declarations in global_rules(source))


def maplibre_style(source: str) -> tuple[str, str]:
    """(style id, CSS) of the map library's styles plotly.min.js injects at load."""
    match = _MAPLIBRE.search(source)
    if match is None:
        raise PlotlyAssetError("plotly.min.js no longer injects its map styles as expected")
    css, _ = _js_string(source, match.end())
    return match.group("id"), css


def expected_files() -> dict[Path, bytes]:
    """What static/js/ should hold for the installed plotly package."""
    package = PACKAGE_JS.read_bytes()
    source = package.decode("utf-8")
    _, maplibre_css = maplibre_style(source)
    header = "/* The map styles plotly.min.js would inject at load; written by manage.py vendor_plotly. */\n"
    return {
        VENDORED_JS: package,
        GLOBAL_STYLES: global_css(source).encode(),
        MAPLIBRE_STYLES: (header + maplibre_css + "\n").encode(),
    }


def vendor() -> list[Path]:
    """Write the files that differ; returns them."""
    written = []
    for path, content in expected_files().items():
        if not path.exists() or path.read_bytes() != content:
            path.write_bytes(content)
            written.append(path)
    return written
