"""HL7 Infobutton (URL-based): guidance by clinical code, as MedlinePlus Connect answers it."""
