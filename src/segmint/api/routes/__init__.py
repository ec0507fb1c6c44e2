"""Routes, one module per resource; pages and login live beside the API's resources."""
