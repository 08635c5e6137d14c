terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
  backend "s3" {
    bucket               = "acme-tf-state"
    key                  = "network/terraform.tfstate"
    region               = "eu-west-1"
    encrypt              = true
    max_retries          = 5
    workspace_key_prefix = "${var.team}-envs"
  }
}
