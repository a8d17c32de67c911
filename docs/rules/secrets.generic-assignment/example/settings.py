DB_HOST = "db.internal"
DB_PASSWORD = "Yk3IMJ9PvMJ11Uqz"
