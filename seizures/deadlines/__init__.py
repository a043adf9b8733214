"""Legal deadlines: business-day arithmetic, rule evaluation (pure), and their storage beside each event write.

- business_days.py: US federal holidays and counting days forward.
- rules.py: what deadlines a shipment's events give under the rules; no database.
- services.py: derive one shipment's deadlines inside its event transaction; recompute every shipment.
- selectors.py, filtersets.py: the reads behind /deadlines/, its export, the calendar feed and the digest.
"""
