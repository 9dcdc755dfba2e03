package agent

import (
	"context"

	"patchdesk/agentsvc/wire"
)

// Policies fetches the computer's assignments and the plug-in policy.
func (c *Client) Policies(ctx context.Context, req wire.PoliciesRequest) (wire.PoliciesResponse, error) {
	var resp wire.PoliciesResponse
	err := c.post(ctx, wire.PathPolicies, req, false, &resp)
	return resp, err
}
