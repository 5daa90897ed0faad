variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-west-1"
}

variable "name" {
  description = "Prefix of every resource."
  type        = string
  default     = "notifier"
}

variable "availability_zones" {
  description = "Availability zones of the private subnets (given, not looked up, so planning needs no AWS call)."
  type        = list(string)
  default     = ["eu-west-1a", "eu-west-1b"]

  validation {
    condition     = length(var.availability_zones) >= 2
    error_message = "RDS needs subnets in at least two availability zones."
  }
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC."
  type        = string
  default     = "10.42.0.0/16"
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.micro"
}

variable "protect_data" {
  description = "Deletion protection on the database and tables, and a final snapshot. Off makes the example easy to destroy."
  type        = bool
  default     = false
}
