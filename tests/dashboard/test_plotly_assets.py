"""plotly.js is served from our static files, exactly as the Python plotly package ships it, with the styles it
would inject at load extracted into static files (so the Content-Security-Policy needs no inline styles)."""

from dashboard import plotly_assets


def test_the_vendored_plotly_min_js_is_the_installed_packages_file_byte_for_byte():
    assert plotly_assets.VENDORED_JS.read_bytes() == plotly_assets.PACKAGE_JS.read_bytes(), (
        "static/js/plotly.min.js differs from the plotly package's: run `manage.py vendor_plotly`"
    )


def test_the_extracted_styles_are_what_the_installed_plotly_min_js_would_inject():
    for path, content in plotly_assets.expected_files().items():
        assert path.read_bytes() == content, f"{path.name} is out of date: run `manage.py vendor_plotly`"


def test_the_map_style_id_the_page_links_is_the_one_plotly_min_js_looks_up():
    style_id, css = plotly_assets.maplibre_style(plotly_assets.PACKAGE_JS.read_text(encoding="utf-8"))

    assert style_id == plotly_assets.MAPLIBRE_STYLE_ID
    assert ".maplibregl-map" in css


def test_the_global_rules_cover_the_mode_bar():
    rules = dict(plotly_assets.global_rules(plotly_assets.PACKAGE_JS.read_text(encoding="utf-8")))

    assert rules[".js-plotly-plot .plotly .modebar"] == "position:absolute;top:2px;right:2px;"
    assert ".plotly-notifier" in rules
