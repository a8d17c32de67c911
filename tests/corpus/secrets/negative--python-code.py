import os

password = os.environ["DB_PASSWORD"]
token = self.settings.api_token
tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")
secret_file = "/run/secrets/db_password"
password_length = 1234567890123
SECRET_KEY = settings.DJANGO_SECRET_KEY
