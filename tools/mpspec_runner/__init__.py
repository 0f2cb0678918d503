"""mpspec's conformance runner: plays spec/ cases on adapters and judges what they did."""
