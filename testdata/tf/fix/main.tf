# The infra root module of the sample estate as its team writes it, for `driftscan fix`
# (tests/it/fix.rs): literal values, one value through a variable, a count, a module.

provider "aws" {
  region = "us-east-1"
  default_tags {
    tags = { ManagedBy = "terraform" }
  }
}

provider "aws" {
  alias  = "west"
  region = "eu-west-1"
}

variable "dns_hostnames" {
  description = "Public DNS names for the instances of the main VPC."
  default     = true
}

resource "aws_vpc" "main" {
  cidr_block           = "10.10.0.0/16"
  enable_dns_hostnames = var.dns_hostnames
  tags = {
    Name = "main"
  }
}

resource "aws_instance" "web" {
  count         = 2
  ami           = data.aws_ami.base.id
  instance_type = "t3.micro"
  subnet_id     = module.network.private_subnet_ids[count.index]
}

resource "aws_instance" "replica" {
  provider      = aws.west
  instance_type = "t3.small" # the read replica needs more memory than web
  tags          = { Name = "replica" }
}

module "network" {
  source = "./modules/network"
  vpc_id = aws_vpc.main.id
}

data "aws_ami" "base" {
  most_recent = true
}

output "replica_id" {
  value = aws_instance.replica.id
}
