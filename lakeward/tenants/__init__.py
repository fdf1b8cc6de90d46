"""`lakeward tenant ...`: scaffold, validate, plan and offboard tenants."""
