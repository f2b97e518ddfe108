"""Trust tests: each proves one security or reliability control and records its figure.

They run in the ordinary suite with small counts; ``scripts/trust-report`` runs them with the
full counts the README states and prints the figures."""
