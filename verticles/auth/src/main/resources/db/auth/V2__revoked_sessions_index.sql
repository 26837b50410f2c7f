-- gateways ask for the sessions revoked within an access token's lifetime (the deny-list)
CREATE INDEX refresh_families_revoked ON refresh_families (revoked_at) WHERE revoked_at IS NOT NULL;
