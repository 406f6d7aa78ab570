"""The order workflow: one durable saga per customer order, from acceptance to delivery."""
