# Terraform 0.11 wrote ignore_changes as strings.
resource "aws_instance" "legacy" {
  ami           = "ami-123"
  instance_type = "t2.micro"

  lifecycle {
    ignore_changes = ["tags", "ami", "tags.Owner", "ingress[0]"]
  }
}

resource "aws_security_group" "app" {
  name = "app"

  lifecycle {
    ignore_changes = ["*"]
  }
}
