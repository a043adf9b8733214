"""Answer /healthz and /readyz before any other middleware.

Orchestrators probe by IP address (not an ALLOWED_HOSTS name), over plain HTTP behind the TLS proxy and without a
session: the host check, the HTTPS redirect and the login requirement would each turn a healthy process into a
failed probe. They are not logged either: a probe every few seconds would bury the requests people make.
"""

from config import health

PROBES = {"/healthz": health.healthz, "/readyz": health.readyz}


class ProbeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)
