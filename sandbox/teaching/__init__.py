"""The teaching workflow: scenario packs, assignments, teams, scores, the progress board,
regrading, class reset and archives, evidence reports, interventions and self-learners."""
