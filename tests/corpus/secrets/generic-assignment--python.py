DB_HOST = "db.internal"
DB_PASSWORD = "Jqv38nIe5dG7K36B"
