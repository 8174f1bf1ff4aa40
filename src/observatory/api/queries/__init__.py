"""Read-side queries over one release, shared by the API routers and the portal pages."""
