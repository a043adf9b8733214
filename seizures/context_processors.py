from seizures.selectors import demo_data_present


def demo_banner(request):
    """Every page says so while invented demo shipments are in the ledger."""
    if request.path.startswith(("/healthz", "/readyz", "/static/")):
        return {}
    return {"demo_data_present": demo_data_present()}
