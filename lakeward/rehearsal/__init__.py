"""Deploy rehearsal: the AWS foundation applied for real against moto's server, verified, destroyed."""
