# No public access block, no default encryption.
resource "aws_s3_bucket" "root" {
  bucket = "governed-root-prod"
}

# A bucket policy in jsonencode that never denies plain HTTP.
resource "aws_s3_bucket_policy" "root" {
  bucket = aws_s3_bucket.root.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:DeleteBucket"
      Resource  = aws_s3_bucket.root.arn
    }]
  })
}

# A trust policy that admits every AWS account.
resource "aws_iam_role" "cross_account" {
  name = "databricks-cross-account"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = "*" }
    }]
  })
}
