"""FIR generation: from a complaint's text to a stored First Information Report.

``pipeline.FIRGenerator`` runs the steps (normalise, extract, retrieve legal sections, decide
violations, draft the narrative, render, store) and serves repeated complaints from Redis;
``flow.InteractiveFlow`` walks a citizen through the same steps one review at a time.
"""
