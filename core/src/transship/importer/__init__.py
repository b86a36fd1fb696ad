"""Import side: applying schema files and loading data files into a sink."""
