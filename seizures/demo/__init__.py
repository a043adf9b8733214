"""The demo ledger: invented shipments that follow the seizure story of FACTS.md, labelled demo wherever they show.

story.build_plan() draws the whole story from a fixed seed (pure, no database), so the figures are the same on every
machine; ledger.load_demo() writes it through the services in one transaction, so custody figures are derived
exactly as for real data; ledger.remove_demo() deletes exactly the demo rows.
"""
