import boto3

client = boto3.client("s3", aws_access_key_id="AKIABTCJBS5Z6Z3NUMLH")
