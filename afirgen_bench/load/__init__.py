"""The load test: a Locust scenario of AFIRGen's traffic, its runner and its pass criteria."""
