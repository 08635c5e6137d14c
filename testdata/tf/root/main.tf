provider "aws" {
  region = "eu-west-1"
}

provider "aws" {
  alias  = "us"
  region = "us-east-1"
}

provider "aws" {
  alias  = "dyn"
  region = var.region
}

# The web tier: a comment right above the block does not move its line.
resource "aws_instance" "web" {
  ami           = data.aws_ami.ubuntu.id
  instance_type = "t3.micro"
  tags = {
    Name  = "web-${var.env}"
    Owner = "platform"
  }

  lifecycle {
    ignore_changes = [tags, tags["Owner"], tags.Team, ami]
  }
}

resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"

  lifecycle {
    ignore_changes = all
  }
}

data "aws_ami" "ubuntu" {
  most_recent = true
}

module "net" {
  source = "./modules/net"
  cidr   = "10.0.0.0/16"
}

module "net2" {
  source = "./modules/net"
  cidr   = "10.1.0.0/16"
}

module "missing" {
  source = "./modules/nope"
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.0"
}

module "gitmod" {
  source = "git::https://example.com/mod.git?ref=v1"
}
