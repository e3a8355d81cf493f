@doc:accept-call
@behaviour:accept-answers-with-the-call @behaviour:session-id-names-the-call
Feature: Accepting a call
  Alex calls Bob. When Bob accepts, Alex hears that he did, and both of them can start the call
  session. Everyone who signs in has an app that listens for calls.

  Background:
    Given Alex and Bob are signed in

  @behaviour:initiate-user-call-rings-receiver @behaviour:call-type-audio-or-video @behaviour:initiate-returns-the-call @behaviour:incoming-call-carries-details @behaviour:accept-tells-caller
  Scenario Outline: Bob accepts <a call> from Alex
    When Alex starts <a call> to Bob
    Then Bob is told of an incoming call from Alex
    When Bob accepts the call
    Then Alex is told that Bob accepted the call
    And Alex and Bob are not told anything more

    Examples:
      | a call        |
      | an audio call |
      | a video call  |

  @behaviour:active-call-set-by-accept
  Scenario: The call becomes Bob's active call only once he accepts it
    When Alex starts a video call to Bob
    Then Alex's active call is the call
    And Bob has no active call
    When Bob accepts the call
    Then Bob's active call is the call
