@doc:overview @needs:two-devices
Feature: A user on two devices
  Bob is signed in on his phone and his laptop. Both ring; when he answers on one, the other stops
  ringing; from then on the call lives on the device that answered.

  Background:
    Given Alex is signed in
    And Bob is signed in on his phone and his laptop

  @behaviour:every-device-rings @behaviour:initiate-user-call-rings-receiver
  Scenario: Both of Bob's devices ring
    When Alex starts an audio call to Bob
    Then Bob's phone and Bob's laptop are told of an incoming call from Alex

  @behaviour:caller-devices-never-ring
  Scenario: The caller's other devices do not ring
    Given Alex is also signed in on his tablet
    When Alex starts an audio call to Bob
    Then Bob's phone is told of an incoming call from Alex
    And Alex is not told anything more

  @behaviour:answered-elsewhere-stops-ringing @behaviour:accept-tells-caller
  Scenario: Answering on the phone stops the laptop ringing
    When Alex starts a video call to Bob
    And Bob's phone accepts the call
    Then Alex is told that Bob accepted the call
    And Bob's laptop is told of an incoming call from Alex
    And Bob's laptop is told that the call was answered on another device
    And Bob's phone is told of an incoming call from Alex
    And Bob's phone is not told anything more

  @behaviour:answered-elsewhere-stops-ringing @behaviour:reject-tells-caller
  Scenario: Rejecting on the laptop stops the phone ringing
    When Alex starts an audio call to Bob
    And Bob's laptop rejects the call
    Then Alex is told that Bob rejected the call
    And Bob's phone is told of an incoming call from Alex
    And Bob's phone is told that the call was rejected on another device

  @behaviour:answered-elsewhere-stops-ringing @behaviour:busy-tells-caller
  Scenario: Answering busy on the laptop stops the phone ringing
    When Alex starts a video call to Bob
    And Bob's laptop answers the call that he is busy
    Then Alex is told that Bob is busy
    And Bob's phone is told of an incoming call from Alex
    And Bob's phone is told that the call was answered busy on another device

  @behaviour:wrong-party-refused @behaviour:accept-error-reported @behaviour:refusal-changes-nothing
  Scenario: The caller cannot answer his own call from another device
    Given Alex is also signed in on his tablet
    When Alex's phone starts an audio call to Bob
    And Alex's tablet tries to accept the call
    Then Alex's tablet is refused because only the one being called can answer (ERR_CALL_WRONG_PARTY or ERR_CALL_NOT_A_PART)
    And Bob's phone is told of an incoming call from Alex
    And Bob's phone is not told anything more

  @behaviour:one-device-wins-accept @behaviour:accept-error-reported @behaviour:answered-elsewhere-stops-ringing
  Scenario: When both of Bob's devices accept at the same moment, exactly one gets the call
    When Alex starts an audio call to Bob
    Then Bob's phone and Bob's laptop are told of an incoming call from Alex
    When Bob's phone and Bob's laptop both try to accept the call at the same moment
    Then exactly one of them succeeds and the other is refused because Bob already answered (ERR_CALL_USER_ALREADY_JOINED)
    And Alex is told that Bob accepted the call
    And the device that was refused is told that the call was answered on another device
    And the device that answered is not told anything more
    And Alex is not told anything more

  @behaviour:call-lives-on-answering-device @behaviour:end-tells-other-party
  Scenario: Once answered, the call lives on the device that answered
    When Alex starts an audio call to Bob
    And Bob's phone accepts the call
    And Alex ends the call
    Then Bob's phone is told that Alex ended the call
    And Bob's laptop is told of an incoming call from Alex
    And Bob's laptop is told that the call was answered on another device
    And Bob's laptop is not told anything more
