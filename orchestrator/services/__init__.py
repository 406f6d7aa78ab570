"""Application services: the steps behind the HTTP edge that touch the database and the workflow engine."""
