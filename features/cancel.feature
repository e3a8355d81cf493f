@doc:cancel-call
@behaviour:cancel-with-cancelled-status @behaviour:cancel-tells-receiver @behaviour:session-id-names-the-call
Feature: Cancelling a call
  Alex changes his mind while the call is still ringing: he cancels it, and everyone it was
  ringing for stops ringing.

  Background:
    Given Alex, Bob and Carol are signed in

  @behaviour:call-type-audio-or-video @behaviour:initiate-group-call-rings-members @behaviour:terminal-clears-active-call
  Scenario Outline: Alex cancels <a call> to <receiver> before anyone answers
    When Alex starts <a call> to <receiver>
    Then Bob is told of an incoming call from Alex
    When Alex cancels the call
    Then Bob is told that Alex cancelled the call
    And Alex has no active call
    And Alex is not told anything more

    Examples:
      | a call        | receiver       |
      | an audio call | Bob            |
      | a video call  | Bob            |
      | an audio call | the team group |
      | a video call  | the team group |

  @needs:two-devices
  @behaviour:every-device-rings @behaviour:cancel-reaches-every-device
  Scenario: Cancelling stops the call ringing on every device Bob is signed in on
    Given Bob is also signed in on his laptop
    When Alex starts a video call to Bob
    Then Bob's phone and Bob's laptop are told of an incoming call from Alex
    When Alex cancels the call
    Then Bob's phone and Bob's laptop are told that Alex cancelled the call
    And Alex and Bob are not told anything more

  @behaviour:initiate-group-call-rings-members @behaviour:group-cancel-stops-every-member
  Scenario: Cancelling a group call stops it ringing for every member
    When Alex starts a video call to the team group
    Then Bob and Carol are told of an incoming call from Alex
    When Alex cancels the call
    Then Bob and Carol are told that Alex cancelled the call
    And Alex, Bob and Carol are not told anything more
