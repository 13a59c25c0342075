"""Rate control: token buckets kept in the store, shared across workers and instances with Redis."""
