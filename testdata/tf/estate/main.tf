# The infra root module of the sample estate (tools/estate.py writes its state as
# infra/terraform.tfstate). Only what the behaviour tests read is spelled out.

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

resource "aws_vpc" "main" {
  cidr_block           = "10.10.0.0/16"
  enable_dns_hostnames = true
  tags                 = { Name = "main" }

  lifecycle {
    # The cost-allocation job tags VPCs with their owner.
    ignore_changes = [tags["Owner"]]
  }
}

resource "aws_security_group" "web" {
  name        = "web"
  description = "Web servers"
  vpc_id      = aws_vpc.main.id

  lifecycle {
    ignore_changes = all
  }
}

resource "aws_instance" "web" {
  count         = 2
  ami           = data.aws_ami.base.id
  instance_type = "t3.micro"
  subnet_id     = module.network.private_subnet_ids[count.index]

  lifecycle {
    # Resized by the on-call runbook.
    ignore_changes = [instance_type]
  }
}

module "network" {
  source = "./modules/network"
  vpc_id = aws_vpc.main.id
}

data "aws_ami" "base" {
  most_recent = true
}
