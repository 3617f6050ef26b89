package mailer

import "net/mail"

var mailAddr = mail.Address{Name: "Sinau", Address: "noreply@sinau.example.id"}
