"""Python side of the test and demo OpenID provider: start it, and act as its browser and its clients."""
