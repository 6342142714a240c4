"""The page model (model.py): what a reader of a README or a docs tab runs and sees."""
