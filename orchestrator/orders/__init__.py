"""Order lifecycle rules: stages, the approval gate, fulfilment times and the delay-notice rule."""
