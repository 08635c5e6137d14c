resource "aws_instance" "ok" {
  ami = "ami-1"
}

resource "aws_instance" "bad" {
  ami = = "ami-2"
}
