# The AWS side of `driftscan watch` (README, "Real time"): an EventBridge rule sending the write
# calls of the services driftscan covers to an SQS queue, the queue's policy, and a dead-letter
# queue for messages watch cannot read. Apply it once per region that holds resources, and in
# us-east-1 for the global services (IAM, Route 53), whose events EventBridge delivers there.
# A trail must exist (management events): EventBridge receives CloudTrail's events from it.

terraform {
  required_version = ">= 1.3"
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.0" }
  }
}

variable "name" {
  description = "Name of the queue, the dead-letter queue (NAME-dlq) and the rule."
  type        = string
  default     = "driftscan-watch"
}

variable "max_receive_count" {
  description = "Deliveries of a message watch cannot read before it moves to the dead-letter queue."
  type        = number
  default     = 5
}

variable "source_account_ids" {
  description = <<-EOT
    Other accounts whose EventBridge rules forward their write calls to this account's default
    event bus, for one queue shared by several accounts (README, "One queue for several
    accounts"): in each of them, a rule with the same event pattern targeting
    arn:aws:events:REGION:THIS_ACCOUNT:event-bus/default. Forwarded events keep their own
    `account`, by which driftscan watch routes them to that account's workspace.
  EOT
  type        = list(string)
  default     = []
}

variable "consumer_role_arns" {
  description = "Roles that run driftscan watch: allowed to receive and delete the queue's messages."
  type        = list(string)
  default     = []
}

locals {
  # CloudTrail event sources of the services driftscan covers (src/aws/*.rs, `event_source`);
  # a test checks this list against them.
  event_sources = [
    "apigateway.amazonaws.com",
    "autoscaling.amazonaws.com",
    "dynamodb.amazonaws.com",
    "ec2.amazonaws.com",
    "ecr.amazonaws.com",
    "ecs.amazonaws.com",
    "eks.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
    "events.amazonaws.com",
    "iam.amazonaws.com",
    "kms.amazonaws.com",
    "lambda.amazonaws.com",
    "logs.amazonaws.com",
    "monitoring.amazonaws.com",
    "rds.amazonaws.com",
    "route53.amazonaws.com",
    "s3.amazonaws.com",
    "secretsmanager.amazonaws.com",
    "sns.amazonaws.com",
    "sqs.amazonaws.com",
  ]
}

resource "aws_sqs_queue" "dlq" {
  name                      = "${var.name}-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "events" {
  name = var.name
  # Longer than one batch with its re-reads and history transactions: a message is not handed
  # to a second watch process while the first still works on it.
  visibility_timeout_seconds = 120
  message_retention_seconds  = 345600
  receive_wait_time_seconds  = 20
  sqs_managed_sse_enabled    = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.max_receive_count
  })
}

resource "aws_cloudwatch_event_rule" "writes" {
  name        = var.name
  description = "Write calls of the services driftscan covers, for driftscan watch"
  event_pattern = jsonencode({
    "detail-type" = ["AWS API Call via CloudTrail"]
    detail = {
      eventSource = local.event_sources
      # Reads are most of a trail and change nothing; failed calls change nothing either.
      readOnly  = [false]
      errorCode = [{ exists = false }]
    }
  })
}

resource "aws_cloudwatch_event_target" "queue" {
  rule      = aws_cloudwatch_event_rule.writes.name
  target_id = "driftscan-watch"
  arn       = aws_sqs_queue.events.arn
}

data "aws_iam_policy_document" "queue" {
  statement {
    sid       = "EventBridgeSends"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.events.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.writes.arn]
    }
  }
  dynamic "statement" {
    for_each = length(var.consumer_role_arns) > 0 ? [1] : []
    content {
      sid       = "DriftscanReceives"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      resources = [aws_sqs_queue.events.arn]
      principals {
        type        = "AWS"
        identifiers = var.consumer_role_arns
      }
    }
  }
}

# The default bus takes the forwarded events; the rule above matches them like this
# account's own, so the queue's policy needs nothing more.
resource "aws_cloudwatch_event_bus_policy" "sources" {
  count          = length(var.source_account_ids) > 0 ? 1 : 0
  event_bus_name = "default"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DriftscanSourceAccounts"
      Effect    = "Allow"
      Principal = { AWS = [for id in var.source_account_ids : "arn:aws:iam::${id}:root"] }
      Action    = "events:PutEvents"
      Resource  = "arn:aws:events:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:event-bus/default"
    }]
  })
}

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

resource "aws_sqs_queue_policy" "events" {
  queue_url = aws_sqs_queue.events.id
  policy    = data.aws_iam_policy_document.queue.json
}

output "queue_url" {
  description = "For `queue` in the block of each workspace whose events it carries (driftscan.hcl), or `driftscan watch --queue`."
  value       = aws_sqs_queue.events.id
}

output "dead_letter_queue_url" {
  value = aws_sqs_queue.dlq.id
}
