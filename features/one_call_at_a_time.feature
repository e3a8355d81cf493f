@doc:initiate-call
Feature: One call at a time
  An app has one active call at a time: it cannot start a second call, nor accept one, until the
  current call is over and cleared.

  Background:
    Given Alex, Bob and Carol are signed in

  @behaviour:second-call-refused @behaviour:initiate-error-reported
  Scenario: Alex cannot start a second call while his first one is ringing
    When Alex starts an audio call to Bob
    And Alex tries to start a video call to Carol
    Then Alex is refused because he already has a call (CALL_ALREADY_INITIATED)
    And Carol is not told anything more
    And Alex's active call is the call with Bob

  @doc:accept-call
  @behaviour:accept-while-in-call-refused @behaviour:accept-error-reported @behaviour:busy-call-still-rings
  Scenario: Bob cannot accept a second call while he is in one
    Given Alex and Bob are in a call
    When Carol starts an audio call to Bob
    Then Bob is told of an incoming call from Carol
    When Bob tries to accept the call with Carol
    Then Bob is refused because he is already in a call (CALL_IN_PROGRESS)
    And Carol is not told anything more
    And Bob's active call is the call with Alex
