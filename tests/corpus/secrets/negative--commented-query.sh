#!/bin/sh
# Example callback (the token is empty in the sample; the rest of the query follows &):
# https://app.example.com/callback#access_token=demo&expires_in=3600&token_type=Bearer
# curl -d "grant_type=password&username=demo&password=demo&client_id=cli7" "$AUTH_URL"
exec curl -sS "$API_URL"
