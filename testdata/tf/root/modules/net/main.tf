resource "aws_vpc" "this" {
  cidr_block = var.cidr
}

resource "aws_subnet" "private" {
  count      = 3
  vpc_id     = aws_vpc.this.id
  cidr_block = cidrsubnet(var.cidr, 8, count.index)

  lifecycle {
    ignore_changes = [map_public_ip_on_launch]
  }
}

module "flow" {
  source = "../flow"
  vpc_id = aws_vpc.this.id
}

# A module that calls its own ancestor: followed once, then recorded as skipped.
module "loop" {
  source = "../net"
}

# Provider blocks inside modules are not collected (only the root's are).
provider "aws" {
  region = "ap-south-1"
}
