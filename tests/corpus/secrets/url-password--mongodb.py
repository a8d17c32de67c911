from pymongo import MongoClient

client = MongoClient("mongodb+srv://reporting:iJkPr1YtQHyI%21@cluster0.example.mongodb.net/?retryWrites=true")
