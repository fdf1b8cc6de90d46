"""Release state as code: `releases/<env>.yaml` names each endpoint's champion, challenger and kill
switch; the rollout commands change it for review and move the MLflow aliases with it."""
