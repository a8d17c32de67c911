import os

DB_HOST = "db.internal"
DB_PASSWORD = os.environ["DB_PASSWORD"]
