variable "vpc_id" {
  type = string
}

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = var.vpc_id
  cidr_block        = "10.10.${count.index}.0/24"
  availability_zone = ["us-east-1a", "us-east-1b"][count.index]
}

output "private_subnet_ids" {
  value = aws_subnet.private[*].id
}
