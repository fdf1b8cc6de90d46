"""`lakeward drift`: the live workspace against the synthesized code, and its posture under the pack."""
