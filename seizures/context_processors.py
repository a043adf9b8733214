from seizures.selectors import demo_data_present


def demo_banner(request):
    """Every page says so while invented demo shipments are in the ledger.

    The template calls the selector when it draws the banner, so a view that knows the answer already (the
    dashboard caches it with its page) passes `demo_data_present` itself and the ledger is not read again.
    """
    if request.path.startswith(("/healthz", "/readyz", "/static/")):
        return {}
    return {"demo_data_present": demo_data_present}
