"""Authorization: the built-in PDP, the PDP clients (AuthZEN, OpenAM), the decision cache and audit."""
