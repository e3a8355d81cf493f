"""The reference client: CometChat's v3.0 wire protocol, with the SDK's client-side rules."""
