variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-west-1"
}
