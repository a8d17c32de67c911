package main

func main() {
	authToken := "Mys5EXRqMuyT5HGa66"
	_ = authToken
}
