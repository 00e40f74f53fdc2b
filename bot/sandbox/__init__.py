"""Local forges that speak the real Gitea, GitLab, Pagure and GitHub APIs over HTTP, backed by
real bare git repositories: the bot's test bed, benchmark rig and demo world."""
